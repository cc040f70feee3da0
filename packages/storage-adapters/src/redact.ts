/** `scheme://user:secret@` anywhere in a text, e.g. in an error a library built from the URL. */
const CREDENTIALS = /([a-z][\w+.-]*:\/\/[^\s:/@]*):[^\s@]*@/gi;

/**
 * The URL with its password (and any token-like query value) replaced by `***`
 * (`amqp://guest:***@host:5672`), for names, logs and errors. The password is found the way
 * the drivers find it (WHATWG URL), so what is hidden is exactly what is sent.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    const redacted = url.replace(CREDENTIALS, '$1:***@');
    // An unparseable URL may hide its secret anywhere: show nothing rather than guess.
    return redacted !== url || !url.includes('@') ? redacted : '<unparseable URL>';
  }
}

function passwordsOf(url: string): string[] {
  try {
    const { password } = new URL(url);
    if (password === '') return [];
    let decoded = password;
    try {
      decoded = decodeURIComponent(password);
    } catch {
      // a malformed escape: the raw form is the only one that can appear
    }
    return decoded === password ? [password] : [password, decoded];
  } catch {
    return [];
  }
}

/**
 * A text (an error message, a log line) with credentials in URLs hidden, and each secret: a
 * URL's password (given the URL), or a token or key as it is (given the token).
 */
export function redactText(text: string, ...secrets: readonly string[]): string {
  let out = text.replace(CREDENTIALS, '$1:***@');
  for (const secret of secrets) {
    // Short strings would blank out ordinary words; credentials are never that short.
    // A URL (`postgres://…`, `sqlite:file`) hides only its password; anything else is itself secret.
    const isUrl = /^[a-z][\w+.-]*:/i.test(secret);
    const hidden = isUrl ? passwordsOf(secret) : secret.length >= 6 ? [secret] : [];
    for (const value of hidden) out = out.split(value).join('***');
  }
  return out;
}

/** The message of anything thrown, redacted. */
export function describeError(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return redactText(message, url);
}
