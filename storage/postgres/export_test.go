package postgres

// Unavailable exposes the outage classification to the tests.
var Unavailable = unavailable
