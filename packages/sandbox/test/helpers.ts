import { afterEach } from '@jest/globals';
import type { Sandbox } from '../src/index.js';

/** Sandboxes a test started, closed after it whatever happened. */
const running: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

export async function track<S extends Sandbox>(sandbox: Promise<S>): Promise<S> {
  const started = await sandbox;
  running.push(started);
  return started;
}

export interface TushareAnswer {
  request_id: string;
  code: number;
  msg: string;
  data: { fields: string[]; items: unknown[][]; has_more: boolean; count: number } | null;
  detail: string;
}

/** One Tushare call with plain fetch, as the official SDK makes it. */
export async function callTushare(
  url: string,
  body: Record<string, unknown>,
  path = '/',
): Promise<TushareAnswer> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
  return (await response.json()) as TushareAnswer;
}

/** The rows of an answer as objects. */
export const records = (answer: TushareAnswer): Record<string, unknown>[] =>
  (answer.data?.items ?? []).map((item) =>
    Object.fromEntries((answer.data?.fields ?? []).map((f, i) => [f, item[i]])),
  );

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
