-- Real-time alerts: a row for every quote below its ticker's alert threshold.
-- Thresholds are inline here; change them and re-create the stream to adjust.
SET 'auto.offset.reset' = 'earliest';

CREATE STREAM price_alerts AS
  SELECT ticker,
         price,
         CASE ticker WHEN 'AAPL' THEN 185.0 WHEN 'TSLA' THEN 240.0 WHEN 'MSFT' THEN 410.0 ELSE 100.0 END AS threshold,
         'price below threshold' AS alert,
         last_trade_time
  FROM quotes
  WHERE price < CASE ticker WHEN 'AAPL' THEN 185.0 WHEN 'TSLA' THEN 240.0 WHEN 'MSFT' THEN 410.0 ELSE 100.0 END
  EMIT CHANGES;
