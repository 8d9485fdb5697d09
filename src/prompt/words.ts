// Whitespace-separated words: the simulator's default tokenizer counts a prompt in them (one
// vocabulary word = one token), and the engine sizes the texts it builds for it the same way.

/** Exactly JavaScript's /\s/ (what String.prototype.split(/\s+/) splits on), by code unit. */
export function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  if (c === 160) return true;
  if (c < 0x1680) return false;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Whitespace-separated words in `text` (as `text.trim().split(/\s+/)` would count them), in one pass without substrings. */
export function countWords(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    if (isSpace(text.charCodeAt(i))) inWord = false;
    else if (!inWord) {
      inWord = true;
      n++;
    }
  }
  return n;
}
