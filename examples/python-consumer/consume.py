#!/usr/bin/env python3
"""An example consumer of dsync's batch messages (docs/messages.md), in Python.

Reads the batches a `dsync sync` (or a fetch worker) published to RabbitMQ, converts each
cell as dsync's storage does (packages/storage-adapters/src/values.ts), and upserts the rows
into SQLite by the source's primary key: the table ends up as `dsync worker` would store it.

    /usr/bin/python3 consume.py --url amqp://guest:guest@127.0.0.1:5672/ \
        --queue dsync.batches --source daily.json --db dsync.sqlite --idle-timeout 10

Each --source is a definition as `dsync sources show <id> --json` prints it. Needs pika
(Debian: apt-get install python3-pika) and the standard library's sqlite3.

At-least-once: a batch is acked only after its rows are committed, so a crash before that
leaves it on the queue and it is stored again (an upsert: same rows). A batch no retry can
store (not a batch of this format, an unknown source, a cell that does not fit its field)
goes to the dead-letter queue `{queue}.dead` with the reason in `x-dsync-error`, as dsync's
own consumer does. Any other failure stops the script with exit 1; the batch it was
storing is not acked, so RabbitMQ delivers it again to the next consumer.
"""

import argparse
import datetime
import json
import math
import re
import sqlite3
import sys

import pika

FORMAT = 1  # the message format this consumer reads (`format` in the body)
CONTENT_TYPE = "application/json"
HEADER_ERROR = "x-dsync-error"
HEADER_ATTEMPTS = "x-dsync-attempts"
MAX_REASON = 1000


class Rejected(Exception):
    """A batch no retry can store: it goes to the dead-letter queue."""


def bad_row(source_id, row, field, reason):
    """The reason dsync gives (BatchRejectedError in storage-adapters/src/errors.ts)."""
    return Rejected(f'Batch of "{source_id}" rejected: row {row}, field {field}: {reason}')


# ---- Numbers and JSON as JavaScript writes them -------------------------------------------
# dsync is JavaScript: every JSON number is a double, and a number turned into text (a
# `string` or `decimal` cell, a `json` cell) is written as ECMAScript's Number::toString does.
# The body is parsed the same way (parse_int=float below), so 1 and 1.0 are the same value.


def js_number(x):
    """ECMAScript Number::toString of a finite double: 1.0 -> "1", 1e21 -> "1e+21"."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr() gives the shortest digits that read back as the same double, as JavaScript does.
    mantissa, _, exponent = repr(abs(x)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + int(exponent or 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        mark = "e+" if e >= 0 else "e-"
        text = (digits if k == 1 else digits[0] + "." + digits[1:]) + mark + str(abs(e))
    return sign + text


def is_number(value):
    return isinstance(value, float)  # every JSON number, as parsed below


def js_json(value):
    """JSON.stringify of a parsed JSON value."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if is_number(value):
        return js_number(value) if math.isfinite(value) else "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(js_json(item) for item in value) + "]"
    # JavaScript objects list integer-like keys first, ascending, then the rest in order.
    index = [k for k in value if re.fullmatch(r"0|[1-9][0-9]*", k) and int(k) < 2**32 - 1]
    keys = sorted(index, key=int) + [k for k in value if k not in index]
    members = (json.dumps(k, ensure_ascii=False) + ":" + js_json(value[k]) for k in keys)
    return "{" + ",".join(members) + "}"


def parse_body(body):
    def refuse_constant(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(body.decode("utf-8"), parse_int=float, parse_constant=refuse_constant)


# ---- The conversions of packages/storage-adapters/src/values.ts ----------------------------


class Misfit(Exception):
    pass


DATE = re.compile(r"^([0-9]{4})-?([0-9]{2})-?([0-9]{2})$")
DATETIME = re.compile(
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?)?"
    r"([zZ]|[+-][0-9]{2}:?[0-9]{2})?$"
)
NUMBER_TEXT = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
SAFE_INTEGER = 2**53 - 1


def to_date(value, field):
    """YYYYMMDD (Tushare) or YYYY-MM-DD (NDL) -> YYYY-MM-DD, a real date."""
    m = DATE.match(value) if isinstance(value, str) else None
    if m is None:
        raise Misfit(f"expected a date (YYYYMMDD or YYYY-MM-DD), got {js_json(value)}")
    try:
        datetime.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise Misfit(f"no such date: {js_json(value)}") from None
    return f"{m[1]}-{m[2]}-{m[3]}"


def to_datetime(value, field):
    """YYYY-MM-DD HH:MM:SS (UTC unless it says) or ISO 8601 -> ISO 8601 UTC with milliseconds."""
    m = DATETIME.match(value.replace(" ", "T", 1)) if isinstance(value, str) else None
    if m is None:
        raise Misfit(f"expected a date and time, got {js_json(value)}")
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    offset = datetime.timedelta(0)
    if zone is not None and zone not in ("z", "Z"):
        hours, minutes = int(zone[1:3]), int(zone[-2:])
        offset = datetime.timedelta(hours=hours, minutes=minutes) * (-1 if zone[0] == "-" else 1)
    try:
        local = datetime.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            int(((fraction or "") + "000")[:3]) * 1000,
            tzinfo=datetime.timezone(offset),
        )
    except ValueError:
        raise Misfit(f"expected a date and time, got {js_json(value)}") from None
    utc = local.astimezone(datetime.timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def round_decimal(plain, scale):
    """Rounds a plain decimal string to `scale` places, half away from zero."""
    dot = plain.find(".")
    if dot == -1 or len(plain) - dot - 1 <= scale:
        return plain
    negative = plain.startswith("-")
    whole, fraction = (plain[1:] if negative else plain).split(".")
    kept = int((whole + fraction[:scale]) or "0") + (1 if int(fraction[scale]) >= 5 else 0)
    digits = str(kept).rjust(scale + 1, "0")
    text = digits if scale == 0 else digits[:-scale] + "." + digits[-scale:]
    return "-" + text if negative and kept != 0 else text


def expand_exponent(text):
    """1.5e-7 -> 0.00000015, moving the point in the digits (no float in between)."""
    m = re.fullmatch(r"(-?)([0-9]+)(?:\.([0-9]+))?[eE]([+-]?[0-9]+)", text)
    if m is None:
        return text
    sign, whole, fraction, exponent = m[1], m[2], m[3] or "", m[4]
    digits = whole + fraction
    point = len(whole) + int(exponent)
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


def to_decimal(value, field):
    """A decimal string rounded to the field's scale (default 4), never through a float."""
    precision = field.get("precision", 20)
    scale = field.get("scale", 4)
    if is_number(value) and math.isfinite(value):
        text = js_number(value)
        if "e" not in text:
            if abs(value) >= 10.0 ** (precision - scale):
                raise Misfit(f"{text} has more digits than decimal({precision}, {scale}) holds")
            return round_decimal(text, scale)
    if is_number(value) and math.isfinite(value):
        text = js_number(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        text = ""
    plain = expand_exponent(text)
    m = re.fullmatch(r"-?([0-9]+)(?:\.([0-9]+))?", plain)
    if m is None:
        raise Misfit(f"expected a decimal number, got {js_json(value)}")
    int_digits = len(re.sub(r"^0+(?=[0-9])", "", m[1]))
    if int_digits > precision - scale:
        raise Misfit(f"{plain} has more digits than decimal({precision}, {scale}) holds")
    return round_decimal(plain, scale)


def to_number(value, integer):
    n = math.nan
    if is_number(value):
        n = value
    elif isinstance(value, str) and value.strip() != "":
        text = value.strip()
        if NUMBER_TEXT.match(text):
            n = float(text)
        elif re.fullmatch(r"0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+", text):
            n = float(int(text, 0))
    if not math.isfinite(n):
        raise Misfit(f"expected a number, got {js_json(value)}")
    if integer and not (n.is_integer() and abs(n) <= SAFE_INTEGER):
        raise Misfit(f"expected a whole number, got {js_json(value)}")
    return int(n) if integer else n


def to_bool(value, field):
    if value is True or (is_number(value) and value == 1) or value in ("1", "Y", "true"):
        return 1
    if value is False or (is_number(value) and value == 0) or value in ("0", "N", "false"):
        return 0
    raise Misfit(f"expected a boolean, got {js_json(value)}")


def to_text(value, field):
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return js_number(value)  # codes such as 000001 arrive as text; a number stays as written
    raise Misfit(f"expected text, got {js_json(value)}")


CONVERTERS = {
    "string": to_text,
    "int": lambda v, f: to_number(v, True),
    "float": lambda v, f: to_number(v, False),
    "decimal": to_decimal,
    "date": to_date,
    "datetime": to_datetime,
    "bool": to_bool,
    "json": lambda v, f: js_json(v),
}

# SQLite column types, as dsync's own SQLite storage makes them (knex/dialect.ts).
SQL_TYPES = {
    "string": "TEXT",
    "int": "INTEGER",
    "float": "REAL",
    "decimal": "TEXT",
    "date": "TEXT",
    "datetime": "TEXT",
    "bool": "INTEGER",
    "json": "TEXT",
}


def quote(name):
    return '"' + name.replace('"', '""') + '"'


class Source:
    """A source definition as `dsync sources show <id> --json` prints it."""

    def __init__(self, definition):
        self.id = definition["id"]
        self.fields = definition["fields"]
        self.by_name = {f["name"]: f for f in self.fields}
        self.primary_key = definition["primaryKey"]
        storage = definition.get("storage", {})
        self.table = storage["table"]
        self.write_mode = storage.get("writeMode", "upsert")
        self.window_field = storage.get("windowField")
        self.schema_version = definition.get("schemaVersion", 1)

    def stored_rows(self, batch):
        """The batch's rows as dsync stores them (toStoredRows): every field, converted."""
        unknown = [c for c in batch["columns"] if c not in self.by_name]
        if unknown:
            raise bad_row(self.id, 0, unknown[0], "not a field of the source")
        keys = set(self.primary_key)
        rows = []
        for index, cells in enumerate(batch["rows"]):
            row = {f["name"]: None for f in self.fields}
            for i, column in enumerate(batch["columns"]):
                field = self.by_name[column]
                value = cells[i] if i < len(cells) else None
                if value is None or (value == "" and field["type"] != "string"):
                    if column in keys or not field.get("nullable", True):
                        raise bad_row(self.id, index, column, "missing, but required")
                    continue
                try:
                    row[column] = CONVERTERS[field["type"]](value, field)
                except Misfit as misfit:
                    raise bad_row(self.id, index, column, str(misfit)) from None
            for key in self.primary_key:
                if row[key] is None:
                    raise bad_row(self.id, index, key, "primary key value missing")
            rows.append(row)
        return rows

    def ensure_table(self, db):
        """Creates the table with its primary key; adds the columns of fields it lacks."""
        keys = set(self.primary_key)
        existing = {row[1] for row in db.execute(f"PRAGMA table_info({quote(self.table)})")}
        if not existing:
            columns = [
                f"{quote(f['name'])} {SQL_TYPES[f['type']]}"
                + (" NOT NULL" if f["name"] in keys or not f.get("nullable", True) else "")
                for f in self.fields
            ]
            # Append-mode tables may hold repeated keys, so only the others get a primary key.
            if self.write_mode != "append":
                columns.append(f"PRIMARY KEY ({', '.join(quote(k) for k in self.primary_key)})")
            db.execute(f"CREATE TABLE {quote(self.table)} ({', '.join(columns)})")
        for f in self.fields:
            if existing and f["name"] not in existing:
                column = f"{quote(f['name'])} {SQL_TYPES[f['type']]}"
                db.execute(f"ALTER TABLE {quote(self.table)} ADD COLUMN {column}")

    def store(self, db, batch):
        """Writes a batch in one transaction, by the source's write mode (knex/write.ts)."""
        rows = self.stored_rows(batch)
        names = [f["name"] for f in self.fields]
        insert = (
            f"INSERT INTO {quote(self.table)} ({', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        if self.write_mode != "append":
            others = [n for n in names if n not in self.primary_key]
            update = ", ".join(f"{quote(n)} = excluded.{quote(n)}" for n in others)
            conflict = ", ".join(quote(k) for k in self.primary_key)
            action = f"DO UPDATE SET {update}" if others else "DO NOTHING"
            insert += f" ON CONFLICT ({conflict}) {action}"
        with db:  # one transaction: committed here, or rolled back on any error
            window = batch.get("window")
            if (
                self.write_mode == "replace-window"
                and batch["page"] == 0
                and window is not None
                and self.window_field is not None
            ):
                scope = batch.get("scope") or {}
                where = "".join(f" AND {quote(column)} = ?" for column in scope)
                between = f"{quote(self.window_field)} BETWEEN ? AND ?"
                db.execute(
                    f"DELETE FROM {quote(self.table)} WHERE {between}{where}",
                    [window["start"], window["end"], *(sql_value(v) for v in scope.values())],
                )
            db.executemany(insert, [[sql_value(row[n]) for n in names] for row in rows])
        return len(rows)


def sql_value(value):
    """A stored value as SQLite binds it: whole numbers of int fields are already ints."""
    if isinstance(value, bool):
        return int(value)
    return value


# ---- The message ----------------------------------------------------------------------------


def is_index(value):
    return is_number(value) and value.is_integer() and value >= 0


def is_list_of(value, kind):
    return isinstance(value, list) and all(isinstance(item, kind) for item in value)


def is_scalar(value):
    return isinstance(value, (str, bool)) or (is_number(value) and math.isfinite(value))


def decode(body, content_type):
    """The batch in a message body, checked as dsync's decodeBatch checks it (codec.ts)."""
    if content_type is not None and content_type != CONTENT_TYPE:
        raise Rejected(
            f'undecodable batch message: content type "{content_type}", expected {CONTENT_TYPE}'
        )
    try:
        batch = parse_body(body)
    except ValueError as error:
        raise Rejected(f"undecodable batch message: {error}") from None
    if not isinstance(batch, dict):
        raise Rejected("undecodable batch message: not a JSON object")
    problem = None
    window, scope = batch.get("window"), batch.get("scope")
    if batch.get("format") != FORMAT:
        problem = f"unknown format {js_json(batch.get('format'))}"
    elif not isinstance(batch.get("sourceId"), str) or batch["sourceId"] == "":
        problem = "no sourceId"
    elif not isinstance(batch.get("argsKey"), str):
        problem = "no argsKey"
    elif not is_index(batch.get("page")):
        problem = "page is not a whole number"
    elif not is_list_of(batch.get("columns"), str):
        problem = "columns is not a list of names"
    elif not is_list_of(batch.get("rows"), list):
        problem = "rows is not a list of arrays"
    elif not is_index(batch.get("schemaVersion")):
        problem = "schemaVersion is not a whole number"
    elif not isinstance(batch.get("fetchedAt"), str):
        problem = "no fetchedAt"
    elif window is not None and not (
        isinstance(window, dict)
        and isinstance(window.get("start"), str)
        and isinstance(window.get("end"), str)
    ):
        problem = "window is not { start, end }"
    elif scope is not None and not (
        isinstance(scope, dict) and all(is_scalar(v) for v in scope.values())
    ):
        problem = "scope is not an object of strings, numbers and booleans"
    if problem is not None:
        raise Rejected(f"undecodable batch message: {problem}")
    return batch


# ---- RabbitMQ -----------------------------------------------------------------------------


def declare(channel, queue):
    """The queue as dsync declares it (topology.ts), so either side may start first."""
    dead = f"{queue}.dead"
    channel.exchange_declare(dead, exchange_type="fanout", durable=True)
    channel.queue_declare(dead, durable=True)
    channel.queue_bind(dead, dead, routing_key="")
    # The same arguments as dsync's: different ones make the broker refuse the declaration.
    channel.queue_declare(queue, durable=True, arguments={"x-dead-letter-exchange": dead})
    return dead


def dead_letter(channel, dead, method, properties, body, reason):
    """Publishes the message to {queue}.dead with the reason (confirmed), then acks it."""
    headers = dict(properties.headers or {})
    headers[HEADER_ERROR] = reason[:MAX_REASON]
    headers[HEADER_ATTEMPTS] = 1
    channel.basic_publish(
        exchange=dead,
        routing_key=method.routing_key,
        body=body,
        properties=pika.BasicProperties(
            content_type=properties.content_type,
            message_id=properties.message_id,
            timestamp=properties.timestamp,
            delivery_mode=2,
            headers=headers,
        ),
        mandatory=True,  # with confirms on: raises unless a queue took it
    )
    channel.basic_ack(method.delivery_tag)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Store dsync's batch messages in SQLite.")
    parser.add_argument("--url", required=True, help="amqp://user:password@host:5672/vhost")
    parser.add_argument("--queue", default="dsync.batches", help="default: dsync.batches")
    parser.add_argument(
        "--source", action="append", required=True, metavar="FILE",
        help="a source definition, as `dsync sources show <id> --json` prints it (repeatable)",
    )
    parser.add_argument("--db", required=True, help="the SQLite file the rows go to")
    parser.add_argument(
        "--count", type=int, help="stop after this many batches (stored or dead-lettered)"
    )
    parser.add_argument(
        "--idle-timeout", type=float, default=10.0, help="stop after this many idle seconds"
    )
    parser.add_argument("--prefetch", type=int, default=16)
    args = parser.parse_args(argv)

    sources = {}
    for path in args.source:
        with open(path, encoding="utf-8") as file:
            source = Source(json.load(file))
        sources[source.id] = source
    db = sqlite3.connect(args.db)
    for source in sources.values():
        source.ensure_table(db)
    db.commit()

    connection = pika.BlockingConnection(pika.URLParameters(args.url))
    channel = connection.channel()
    channel.confirm_delivery()
    dead = declare(channel, args.queue)
    channel.basic_qos(prefetch_count=args.prefetch)
    counts = {"batches": 0, "rows": 0, "deadLettered": 0}
    try:
        deliveries = channel.consume(args.queue, inactivity_timeout=args.idle_timeout)
        for method, properties, body in deliveries:
            if method is None:
                break  # idle for --idle-timeout seconds
            try:
                batch = decode(body, properties.content_type)
                source = sources.get(batch["sourceId"])
                if source is None:
                    raise Rejected(f'unknown source "{batch["sourceId"]}"')
                # This example's own rule: rows of another definition version are not mixed in.
                if batch["schemaVersion"] != source.schema_version:
                    raise Rejected(
                        f"{source.id}: schemaVersion {js_number(batch['schemaVersion'])}, "
                        f"this consumer has version {source.schema_version}"
                    )
                counts["rows"] += source.store(db, batch)
                channel.basic_ack(method.delivery_tag)  # only after the commit
                counts["batches"] += 1
            except Rejected as rejected:
                print(f"dead-lettered {properties.message_id}: {rejected}", file=sys.stderr)
                dead_letter(channel, dead, method, properties, body, str(rejected))
                counts["deadLettered"] += 1
            if args.count is not None and counts["batches"] + counts["deadLettered"] >= args.count:
                break
        channel.cancel()  # what was delivered but not handled goes back to the queue
    finally:
        if connection.is_open:
            connection.close()
        db.close()
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
