package static

// After `npm run build` has refreshed dist/, write its compressed copies.
//go:generate go run ./internal/precompress
