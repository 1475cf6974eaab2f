-- Running average price per ticker, updated on every quote (a table keyed by ticker).
SET 'auto.offset.reset' = 'earliest';

CREATE TABLE avg_price_per_ticker AS
  SELECT ticker,
         AVG(price) AS avg_price,
         COUNT(*) AS quote_count
  FROM quotes
  GROUP BY ticker
  EMIT CHANGES;
