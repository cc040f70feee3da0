import { PROVIDER_PROFILES, type DataSource } from '@dsync/datasource';
import { dayIn } from '../../limits/account-limiter.js';
import { METERED_MS, type ControllerContext } from '../context.js';
import type { QuotaGauge } from '../options.js';

/** Every quota the registry's sources count in: used and left in each rate window and in the day. */
export function quotaOf(ctx: ControllerContext, now: Date): Promise<QuotaGauge[]> {
  const gauges = new Map<string, Promise<QuotaGauge>>();
  for (const source of ctx.registry.list()) {
    const scope = ctx.limiters.scopeOf(source);
    if (!gauges.has(scope)) gauges.set(scope, gauge(ctx, source, scope, now));
  }
  return Promise.all(gauges.values());
}

async function gauge(
  ctx: ControllerContext,
  source: DataSource,
  scope: string,
  now: Date,
): Promise<QuotaGauge> {
  const { limiters } = ctx;
  const limits = limiters.limitsOf(source);
  const day = dayIn(now.getTime(), PROVIDER_PROFILES[source.provider].timezone);
  const stored = await ctx.storage.checkpoints.getQuotaUsage(scope, day);
  // A running limiter holds counts not saved yet.
  const live = limiters
    .running(source.provider)
    ?.snapshot()
    .find((q) => q.scope === scope && q.day === day);
  const used = Math.max(stored.used, live?.used ?? 0);
  const { perDay } = limits;
  return {
    scope,
    provider: source.provider,
    label: limiters.label(source.provider),
    windows: limits.windows
      .filter((w) => w.windowMs <= METERED_MS)
      .map(({ limit, windowMs }) => {
        const inWindow = ctx.meter.usedIn(scope, windowMs, now.getTime());
        return { limit, windowMs, used: inWindow, left: Math.max(0, limit - inWindow) };
      }),
    day: {
      day,
      used,
      ...(perDay === undefined ? {} : { limit: perDay, left: Math.max(0, perDay - used) }),
    },
  };
}
