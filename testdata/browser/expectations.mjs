// What a person should see in the tour notebook once it has run, checked
// on the rendered page. Each check finds the cell by its source and looks at
// the output as rendered (text as shown, elements present), not at the
// notebook's JSON.

// A rendered cell, as collected from the page by notebook.test.mjs:
// { index, source, tags, prompt, text, html, errors, classes }
// where text is the output area's innerText, html its innerHTML, errors the
// number of error outputs and classes the CSS classes found in the outputs.

export const tourChecks = [
  {
    what: 'ParallelCollect of (1 to: 1000) * 10 shows its values',
    cell: (c) => /ParallelCollect/.test(c.source) && /\*\s*10\b/.test(c.source),
    check: (c) => /\b10\b[\s,]+20\b[\s,]+30\b/.test(c.text) || `output does not show 10 20 30: ${short(c.text)}`,
  },
  {
    what: 'CreateMirror removes the spaces of each string',
    cell: (c) => /CreateMirror/.test(c.source) && /foo bar zork/.test(c.source),
    check: (c) => (c.text.includes('foobarzork') && c.text.includes('12345')) || `output lacks foobarzork/12345: ${short(c.text)}`,
  },
  {
    what: 'an HTML display renders as HTML',
    cell: (c) => /display\.HTML|\bHTML\(/.test(c.source) && !c.tags.includes('raises-exception'),
    check: (c) => c.classes.includes('output_html') && /<(b|strong|em|table|span|div|h\d|p)\b/i.test(c.html) || `no rendered HTML output: ${short(c.html)}`,
  },
  {
    what: 'a progress bar is drawn and reaches its total',
    cell: (c) => c.classes.includes('dmirror-progress'),
    check: (c) => /(\d+)\/\1 \(100%\)/.test(c.text) || `progress bar not complete: ${short(c.text)}`,
  },
  {
    what: 'a failed worker is shown with its frames',
    cell: (c) => c.classes.includes('dm-fail'),
    check: (c) => (c.tags.includes('raises-exception') && c.errors > 0) || `failed-worker cell is not a tagged failing cell (tags ${c.tags}, ${c.errors} errors)`,
  },
];

// Cells that must (tagged raises-exception) or must not fail.
export function errorCheck(c) {
  const expected = c.tags.includes('raises-exception');
  if (expected && c.errors === 0) return `cell ${c.index} is tagged raises-exception but shows no error`;
  if (!expected && c.errors > 0) return `cell ${c.index} failed: ${short(c.text)}`;
  return true;
}

// What to type for the interrupt test, per kernel: a value to keep, a
// loop that never ends, and a cell that uses the value afterwards.
export const interruptProfiles = {
  dmirror: { keep: 'kept := 41', loop: 'for {}', after: 'kept + 1', want: '42' },
  python3: { keep: 'kept = 41', loop: 'while True: pass', after: 'kept + 1', want: '42' },
};

export function short(s, n = 300) {
  s = String(s).replace(/\s+/g, ' ').trim();
  return s.length > n ? s.slice(0, n) + '…' : s;
}
