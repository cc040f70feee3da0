import { randomUUID } from 'node:crypto';

/**
 * Tushare's answers, word for word (provider-protocols.md §1.2, §2). Every answer is HTTP
 * 200 with the same five keys; an error carries `data: null` and its code and message.
 */

const DOC_108 = 'https://tushare.pro/document/1?doc_id=108';

export const MESSAGES = {
  badToken: '您的token不对，请确认。',
  unknownApi: '请指定正确的接口名',
  permission: (api: string) => `抱歉，您没有接口(${api})访问权限，权限的具体详情访问：${DOC_108}。`,
  /** The per-minute limit: the older wording (2019 on) and the newer one. */
  perMinuteOlder: (limit: number) =>
    `抱歉，您每分钟最多访问该接口${limit}次，权限的具体详情访问：${DOC_108}。`,
  perMinuteNewer: (api: string, limit: number) =>
    `抱歉，您访问接口(${api})频率超限(${limit}次/分钟)，具体频次详情：${DOC_108}。`,
  perHour: (limit: number) =>
    `抱歉，您每小时最多访问该接口${limit}次，权限的具体详情访问：${DOC_108}。`,
  perDay: (limit: number) =>
    `抱歉，您每天最多访问该接口${limit}次，权限的具体详情访问：${DOC_108}。`,
  missingParam: (param: string) => `必填参数, ${param}`,
  busy: '服务器拥挤，请稍后再试',
  badJson: '请求参数格式错误，应为JSON',
} as const;

export const CODES = {
  ok: 0,
  badToken: 40101,
  /** Recorded for an unknown interface by one client's tests; other sources give only the message. */
  unknownApi: 40101,
  limitOrPermission: 40203,
  /** "实测" notes give 50101; one fake elsewhere uses 40002. */
  missingParam: 50101,
  busy: 9999,
  badRequest: 40001,
} as const;

export interface TushareData {
  readonly fields: readonly string[];
  readonly items: readonly (readonly unknown[])[];
  readonly has_more: boolean;
  readonly count: number;
}

export const success = (data: TushareData): string =>
  JSON.stringify({ request_id: randomUUID(), code: CODES.ok, msg: '', data, detail: '' });

export const failure = (code: number, msg: string): string =>
  JSON.stringify({ request_id: randomUUID(), code, msg, data: null, detail: '' });
