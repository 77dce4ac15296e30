// UTF-8 length of a frame without TextEncoder or Buffer, so the package runs
// anywhere (browser, worker, Node) with only a schema library.

export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4; // a surrogate pair is one 4-byte code point
        i++;
      } else bytes += 3;
    } else bytes += 3; // the rest of the BMP, and lone surrogates (encoded as U+FFFD)
  }
  return bytes;
}

/** Whether `text` is longer than `maxBytes` in UTF-8, stopping as early as the length allows. */
export function exceedsBytes(text: string, maxBytes: number): boolean {
  if (text.length > maxBytes) return true; // every code unit is at least one byte
  if (text.length * 3 <= maxBytes) return false; // and at most three
  return utf8ByteLength(text) > maxBytes;
}
