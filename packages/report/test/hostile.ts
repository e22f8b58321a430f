/** Strings that would run or restyle something if a report ever wrote data as markup. */
export const HOSTILE = [
  '<script>window.__pwned = 1</script>',
  '"><img src=x onerror="window.__pwned = 2">',
  "'; alert(3); '<svg onload=alert(4)>",
  '| **md** [link](http://example.invalid) `code` <b>bold</b> &amp;',
];
