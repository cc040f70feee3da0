/**
 * The `dsync.config.yaml` that `dsync init` writes: the defaults spelt out, each key
 * explained, a Tushare account whose token comes from the environment, and the four sources
 * daily bars need (the calendar and the stock list drive the daily fan-out; adjustment
 * factors make the bars usable). The first line lets YAML editors complete and check keys.
 */
const STARTER = `# yaml-language-server: $schema=./node_modules/@dsync/cli/dsync.schema.json
#
# dsync configuration. Every key is optional; without a key its default applies.
# \${NAME} takes a value from the environment, or from a .env file next to this file;
# \${NAME:-fallback} gives a fallback; $\${ writes a literal \${.

# Where data and the task ledger are kept. A database URL: sqlite:<file> (relative to this
# file), sqlite::memory:, postgres://user:password@host/db, mysql://… or mariadb://…;
# or a directory of files: { files: ./data, format: csv | jsonl | parquet, partition: date | key | none }.
storage: sqlite:dsync.db

# How fetched rows travel to storage: memory (within this process), or a RabbitMQ URL
# (amqp://user:password@host, or { url, exchange, queue }) with \`dsync worker\` storing them.
queue: memory

# Log level: fatal, error, warn, info, debug, trace or silent. Logs go to stderr, or to file.
log:
  level: info
  # file: ./dsync.log

# API accounts. Keep credentials out of this file: name environment variables instead.
accounts:
  tushare:
    token: \${TUSHARE_TOKEN}
    # Your Tushare points (120, 2000, 5000, 10000 or 15000): the tier's documented limits apply.
    tier: 2000
    # Overrides of the tier's limits, per interface:
    # limits: { perMinute: 200, perDay: 100000, maxConcurrent: 4 }
  # ndl:
  #   apiKey: \${NDL_API_KEY}
  #   premium: false   # true for a premium key's limits

# Distributed mode: \`dsync sync\` (or \`dsync daemon\`) queues the requests for any number of
# \`dsync worker --fetch\` processes, which share each account's limits through Redis and send
# rows through queue: to \`dsync worker\`. It needs storage: postgres://… or mysql://… (the
# ledger is shared by processes on several machines) and queue: amqp://…. See docs/deployment.md.
# distributed:
#   redis: redis://:\${REDIS_PASSWORD}@redis-host:6379/0
#   prefix: dsync           # Redis keys start with it: deployments can share a Redis
#   tasks: { queue: dsync.tasks }   # or an amqp:// URL; default: queue's broker, dsync.tasks

# The data sets to keep complete and current: catalog ids (see \`dsync sources list\`),
# catalog entries with overrides ({ extends: <id>, ... }), or definitions of your own.
sources:
  - tushare.trade_cal
  - tushare.stock_basic
  - extends: tushare.daily
    sync:
      since: "2015-01-01" # the first day to fetch
  - tushare.adj_factor
`;

/** A commented starter config file, for `dsync init`. */
export function starterConfig(): string {
  return STARTER;
}
