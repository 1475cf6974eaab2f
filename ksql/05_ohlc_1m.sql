-- One-minute OHLC bars per ticker: open/high/low/close of the price within each
-- minute of ROWTIME (the quote's Kafka timestamp). Bars update as quotes arrive.
SET 'auto.offset.reset' = 'earliest';

CREATE TABLE ohlc_1m AS
  SELECT ticker,
         WINDOWSTART AS bar_start,
         WINDOWEND AS bar_end,
         EARLIEST_BY_OFFSET(price) AS open,
         MAX(price) AS high,
         MIN(price) AS low,
         LATEST_BY_OFFSET(price) AS close,
         COUNT(*) AS ticks
  FROM quotes
  WINDOW TUMBLING (SIZE 1 MINUTE)
  GROUP BY ticker
  EMIT CHANGES;
