-- The seed's high_price_stocks, on one row per quote: the seed's data[0] is
-- always NULL in ksqlDB (arrays are 1-based), so its version never emits.
SET 'auto.offset.reset' = 'earliest';

CREATE STREAM high_price_stocks AS
  SELECT ticker, price
  FROM quotes
  WHERE price > 170
  EMIT CHANGES;
