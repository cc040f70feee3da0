/*
 * Secrets never leave dsync: every message, log line, answer and stored error passes here
 * first. One implementation for every package, so what is hidden is the same everywhere.
 */

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

/** `?api_key=…`, `&token=…`: a credential in a query string, as NDL takes its key. */
const QUERY_CREDENTIALS = /([?&][\w.-]*(?:pass|secret|token|key)[\w.-]*=)[^\s&#]+/gi;

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
 * What of a secret can show up in a text: a URL (`postgres://…`, `sqlite:file`) only its
 * password; anything else, itself. Each as it is and URL-encoded (it may sit in a query).
 */
function formsOf(secret: string): string[] {
  const isUrl = /^[a-z][\w+.-]*:/i.test(secret);
  // Short strings would blank out ordinary words; credentials are never that short.
  const values = isUrl ? passwordsOf(secret) : secret.length >= 6 ? [secret] : [];
  return values.flatMap((value) => [value, encodeURIComponent(value)]);
}

/**
 * A text (an error message, a log value, a server's answer) with credentials in URLs and in
 * query strings hidden, and each secret: a URL's password (given the URL), or a token or
 * key as it is (given the token).
 */
export function redactText(text: string, ...secrets: readonly string[]): string {
  let out = text.replace(CREDENTIALS, '$1:***@').replace(QUERY_CREDENTIALS, '$1***');
  // Longest first, so a secret that contains another is hidden whole.
  const forms = [...new Set(secrets.flatMap(formsOf))].sort((a, b) => b.length - a.length);
  for (const form of forms) if (out.includes(form)) out = out.split(form).join('***');
  return out;
}
