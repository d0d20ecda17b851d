package rules

// Codes the API sends in errors[].extensions.code. The first five are the
// ones Fauna's GraphQL API used, so the workshop clients understand them.
const (
	CodeAuthenticationFailed = "authentication failed"     // wrong email or password
	CodeInvalidToken         = "invalid token"             // missing, unknown, expired or revoked bearer secret
	CodePermissionDenied     = "permission denied"         // acting for another owner
	CodeNotUnique            = "instance not unique"       // email already registered; extensions.field names it
	CodeValidationFailed     = "validation failed"         // bad input; extensions.field names the field
	CodeUnavailable          = "unavailable"               // overloaded or the database is down; retry shortly
	CodeInternal             = "internal"                  // a bug or an outage; details only in the API's log
	CodeTooManyRequests      = "TOO_MANY_REQUESTS"         // throttled; extensions.retryAfter says how many seconds to wait
	CodeTooComplex           = "COMPLEXITY_LIMIT_EXCEEDED" // a document refused for its size or cost; it never ran
	CodeInvalidResetToken    = "invalid reset token"       // a password reset token that is unknown, used or expired
	CodeTooManyErrors        = "TOO_MANY_ERRORS"           // the last of an answer's 20 errors: how many more were left out
	CodeAnswerTooLarge       = "ANSWER_TOO_LARGE"          // the answer would pass 8 MiB; none of its data is sent
)
