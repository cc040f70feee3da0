/**
 * NDL's error codes, statuses and messages (provider-protocols.md §6). Messages are the
 * observed ones where a source quotes them; the others are marked as guesses.
 */

export interface NdlErrorSpec {
  readonly code: string;
  readonly status: number;
  readonly message: string;
}

const BAD_PARAMS =
  'You have submitted incorrect query parameters. Please check your API call syntax and try again.';

export const NDL_ERRORS = {
  // Guess: QECx01 is observed as the 400 for a wrong route, its text is not quoted anywhere.
  unknownRoute: {
    code: 'QECx01',
    status: 400,
    message:
      'The url you requested is incorrect. Please check the API documentation and try again.',
  },
  unknownCode: {
    code: 'QECx02',
    status: 404,
    message:
      'You have submitted an incorrect Quandl code. Please check your Quandl codes and try again.',
  },
  // One code for every bad parameter: the official clients' tests pin QESx03/422, and the
  // real per-case codes (QESx02–09) are not documented.
  badParams: { code: 'QESx03', status: 422, message: BAD_PARAMS },
  unknownKey: {
    code: 'QEAx01',
    status: 400,
    message: 'We could not recognize your API key. Please check your API key and try again.',
  },
  registeredTenMinutes: {
    code: 'QELx04',
    status: 429,
    message: 'You have exceeded your 10-minute call limit as a registered user.',
  },
  registeredDaily: {
    code: 'QELx02',
    status: 429,
    message: 'You have exceeded your daily call limit as a registered user.',
  },
  subscriberTenMinutes: {
    code: 'QELx05',
    status: 429,
    message: 'You have exceeded your 10-minute call limit as a subscriber.',
  },
  subscriberDaily: {
    code: 'QELx03',
    status: 429,
    message: 'You have exceeded your daily call limit as a subscriber.',
  },
  // Guess: QEXx01 is the 503 the clients treat as maintenance; its text is not quoted.
  busy: {
    code: 'QEXx01',
    status: 503,
    message: 'The service is temporarily unavailable. Please try again later.',
  },
} as const satisfies Record<string, NdlErrorSpec>;

/** The observed anonymous daily message, with the configured limit in it. */
export const anonymousDaily = (limit: number): NdlErrorSpec => ({
  code: 'QELx01',
  status: 429,
  message: `You have exceeded the anonymous user limit of ${limit} calls per day. To make more calls today, please register for a free Quandl account and then include your API key with your requests.`,
});

/**
 * No source shows the anonymous 10-minute answer: QELx01 is the only anonymous limit code,
 * so it is used with the daily message's wording adapted to the window.
 */
export const anonymousTenMinutes = (limit: number): NdlErrorSpec => ({
  code: 'QELx01',
  status: 429,
  message: `You have exceeded the anonymous user limit of ${limit} calls per 10 minutes. To make more calls, please register for a free Quandl account and then include your API key with your requests.`,
});

/** An error answer. `detail` says what was wrong, for people; it is never sent. */
export class NdlError extends Error {
  readonly spec: NdlErrorSpec;
  readonly detail: string | undefined;

  constructor(spec: NdlErrorSpec, detail?: string) {
    super(`${spec.code}: ${spec.message}${detail === undefined ? '' : ` (${detail})`}`);
    this.name = 'NdlError';
    this.spec = spec;
    this.detail = detail;
  }
}

/** A bad-parameter error with what was wrong. */
export const badParams = (detail: string): NdlError => new NdlError(NDL_ERRORS.badParams, detail);
