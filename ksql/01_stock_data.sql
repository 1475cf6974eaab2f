-- The seed's stream over the raw api-data envelopes (verbatim). Each message holds
-- an array of quotes: DATA[1] is the first (ksqlDB arrays are 1-based), and
-- 02_quotes.sql explodes them into one row per quote.
CREATE STREAM stock_data (
  meta STRUCT<requested INT, returned INT>,
  data ARRAY<STRUCT<
    ticker STRING,
    name STRING,
    mic_code STRING,
    currency STRING,
    price DOUBLE,
    day_high DOUBLE,
    day_low DOUBLE,
    day_open DOUBLE,
    _52_week_high DOUBLE,
    _52_week_low DOUBLE,
    market_cap BIGINT,
    previous_close_price DOUBLE,
    previous_close_price_time STRING,
    day_change DOUBLE,
    volume BIGINT,
    is_extended_hours_price BOOLEAN,
    last_trade_time STRING
  >>,
  timestamp_utc STRING
)
WITH (
  KAFKA_TOPIC='api-data',
  VALUE_FORMAT='JSON'
);
