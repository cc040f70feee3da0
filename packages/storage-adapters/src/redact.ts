/** A connection URL with its password (and any token-like query value) hidden: safe for logs, names and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    // Not a URL (a file path, say): hide anything that looks like user:password@.
    return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
  }
}
