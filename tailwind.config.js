// Tailwind CSS 4 reads this through `@config` in static/src/app.css.
// The theme lives in CSS; this file only lists where class names are used.
// Tests mention class names in prose and selectors; they must not change
// the stylesheet.
/** @type {import('tailwindcss').Config} */
module.exports = {
  content: [
    "./components/**/*.templ",
    "./components/**/*.go",
    "!./components/**/*_test.go",
  ],
};
