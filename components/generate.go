package components

//go:generate go tool templ generate
