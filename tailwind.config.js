// Tailwind CSS 4 reads this through `@config` in static/src/app.css.
// The theme lives in CSS; this file only lists where class names are used.
/** @type {import('tailwindcss').Config} */
module.exports = {
  content: ["./components/**/*.templ", "./components/**/*.go"],
};
