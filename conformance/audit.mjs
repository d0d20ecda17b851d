#!/usr/bin/env node
// GraphQL over HTTP conformance of Shopkeeper's /graphql.
//
//   node conformance/audit.mjs http://127.0.0.1:8080/graphql
//
// Runs every audit of graphql-http's server audit suite (`serverAudits`,
// from the npm package graphql-http, a devDependency pinned in
// package.json) against the URL, one after another, and prints each with
// its result and, for a failure, why and what the server answered.
//
// The API answers POST only; GET is refused on purpose (405 with
// `Allow: POST, OPTIONS`: a GET runs with no CORS preflight, so any page
// could make a visitor's browser send one). The audits about GET that fail
// because of that 405 are listed as "skipped: GET is refused by design".
// Every other audit, MUST, SHOULD and MAY alike, must pass: the exit code
// is 1 when one fails, 2 when the audit cannot run at all.
//
// `make conformance` starts the real server and runs this (through
// `go test ./conformance`); so does `make test`, which CI runs.

import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url || process.argv.length > 3) {
  console.error('usage: node conformance/audit.mjs URL (e.g. http://127.0.0.1:8080/graphql)');
  process.exit(2);
}

const aboutGET = (name) => /\bGETs?\b/.test(name);

let passed = 0;
let skipped = 0;
let failed = 0;
const audits = serverAudits({ url });
for (const audit of audits) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    // Not an assertion: the server could not be reached, or answered
    // something the audit could not read.
    result = { id: audit.id, name: audit.name, status: 'error', reason: `the audit broke: ${err}` };
  }
  if (result.status === 'ok') {
    passed++;
    console.log(`pass     ${result.id}  ${result.name}`);
    continue;
  }
  if (aboutGET(result.name) && result.response?.status === 405) {
    skipped++;
    console.log(`skipped  ${result.id}  ${result.name}: GET is refused by design`);
    continue;
  }
  failed++;
  console.log(`FAIL     ${result.id}  ${result.name}`);
  console.log(`         ${result.reason}`);
  if (result.response) {
    let body = '';
    try {
      body = (await result.response.text()).slice(0, 300);
    } catch {
      body = '(body already read)';
    }
    console.log(`         answer: ${result.response.status}, Content-Type ${result.response.headers.get('content-type')}: ${body}`);
  }
}

console.log(
  `\n${audits.length} audits: ${passed} passed, ${skipped} skipped (GET is refused by design), ${failed} failed`,
);
process.exit(failed > 0 ? 1 : 0);
