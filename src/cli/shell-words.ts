// Words of a POSIX shell script as the shell would split them (quotes removed, `$VAR` kept as
// written, backslash-newline joining lines), with `;`, `&&`, `||`, `|` and line ends as words of
// their own ("\n" becomes ";"). Enough to read a workflow's `docker run …` line; not a shell.
export function splitShellWords(script: string): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  const end = () => {
    if (inWord) out.push(word);
    word = '';
    inWord = false;
  };
  for (let i = 0; i < script.length; i++) {
    const ch = script[i];
    if (ch === '\\') {
      if (script[i + 1] === '\n') i++;
      else if (i + 1 < script.length) {
        word += script[++i];
        inWord = true;
      }
    } else if (ch === "'") {
      const close = script.indexOf("'", i + 1);
      const stop = close < 0 ? script.length : close;
      word += script.slice(i + 1, stop);
      inWord = true;
      i = stop;
    } else if (ch === '"') {
      inWord = true;
      for (i++; i < script.length && script[i] !== '"'; i++) {
        if (script[i] === '\\' && '"\\$`\n'.includes(script[i + 1] ?? '')) {
          if (script[i + 1] !== '\n') word += script[i + 1];
          i++;
        } else word += script[i];
      }
    } else if (ch === '#' && !inWord) {
      while (i + 1 < script.length && script[i + 1] !== '\n') i++;
    } else if (ch === ' ' || ch === '\t') end();
    else if (ch === '\n' || ch === ';') {
      end();
      out.push(';');
    } else if ((ch === '&' || ch === '|') && script[i + 1] === ch) {
      end();
      out.push(ch + ch);
      i++;
    } else if (ch === '|') {
      end();
      out.push('|');
    } else {
      word += ch;
      inWord = true;
    }
  }
  end();
  return out;
}
