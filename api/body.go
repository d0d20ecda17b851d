package api

// MaxBodyBytes is the largest request body /graphql reads. The web front
// reserves this much of its body budget for a body sent without a length.
const MaxBodyBytes = maxBodyBytes
