import type { DataSource, RunSourceSettings } from '@dsync/datasource';
import { digestOf } from '../clients/settings-digest.js';
import type { ProviderClient } from '../clients/provider-client.js';
import type { Limiters } from '../limits/limiters.js';

/** A digest is cut to this many hex digits: enough to tell settings apart, short to store. */
const DIGEST_LENGTH = 16;

type Clients = Partial<Record<DataSource['provider'], ProviderClient>>;

/**
 * What a source's requests are made with in this process, as digests: its definition, its
 * account (label, address, credential) and the limits of its scope and account. The sync that
 * queues a run records them; a fetch worker compares its own before it fetches.
 */
export function sourceSettings(
  source: DataSource,
  limiters: Limiters,
  clients: Clients,
): RunSourceSettings {
  const client = clients[source.provider];
  const cut = (digest: string) => digest.slice(0, DIGEST_LENGTH);
  return {
    definition: cut(digestOf(JSON.stringify(source))),
    account: cut(digestOf(limiters.label(source.provider), client?.settings ?? '')),
    limits: cut(
      digestOf(
        JSON.stringify(limiters.limitsOf(source)),
        JSON.stringify(limiters.accountLimits(source.provider)),
      ),
    ),
  };
}

/** Which of the settings differ: none when they match. */
export function settingsDiffer(
  expected: RunSourceSettings,
  own: RunSourceSettings,
): (keyof RunSourceSettings)[] {
  return (['definition', 'account', 'limits'] as const).filter((k) => expected[k] !== own[k]);
}
