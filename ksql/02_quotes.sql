-- One row per quote, keyed by ticker. EXPLODE turns each envelope's DATA array
-- into rows (QUOTES_FLAT); PARTITION BY then makes TICKER the Kafka key, so every
-- quote of a ticker lands in the same partition of topic "quotes".
SET 'auto.offset.reset' = 'earliest';

CREATE STREAM quotes_flat AS
  SELECT EXPLODE(data)->ticker AS ticker,
         EXPLODE(data)->name AS name,
         EXPLODE(data)->currency AS currency,
         EXPLODE(data)->price AS price,
         EXPLODE(data)->day_open AS day_open,
         EXPLODE(data)->day_high AS day_high,
         EXPLODE(data)->day_low AS day_low,
         EXPLODE(data)->previous_close_price AS previous_close_price,
         EXPLODE(data)->day_change AS day_change,
         EXPLODE(data)->volume AS volume,
         EXPLODE(data)->last_trade_time AS last_trade_time,
         timestamp_utc
  FROM stock_data
  EMIT CHANGES;

CREATE STREAM quotes WITH (KAFKA_TOPIC='quotes') AS
  SELECT *
  FROM quotes_flat
  PARTITION BY ticker
  EMIT CHANGES;
