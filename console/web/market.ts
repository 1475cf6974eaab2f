/// <reference lib="dom" />
/**
 * Market: the ticker tape, a candlestick chart with volume for the chosen
 * ticker and range (history on open, then live), and the price-alert feed.
 *
 * @module
 */
import {
  CandlestickSeries,
  createChart,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from "lightweight-charts";
import { api, banner, el, fill, Live, main, num } from "./dom.ts";

interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}
interface TapeEntry {
  ticker: string;
  price: number;
  dayChange: number | null;
  time: number;
}
interface PriceAlert {
  ticker: string;
  price: number;
  threshold: number | null;
  alert: string;
  time: number;
}
interface TailState {
  ok: boolean;
  message: string;
}
interface MarketData {
  ticker: string;
  hours: number;
  tape: TapeEntry[];
  bars: Bar[];
  alerts: PriceAlert[];
  status: { quotes: TailState; alerts: TailState };
}

const RANGES = [1, 6, 24];

/** Draws the market page. */
export function marketPage(): void {
  const params = new URLSearchParams(location.search);
  let ticker = params.get("ticker") ?? "";
  let hours = Number(params.get("hours") ?? 6);
  const tape = el("div", { class: "tape", id: "tape" });
  const legend = el("div", { id: "legend", class: "dim" });
  const chartBox = el("div", { id: "chart" });
  const alertList = el("div", { id: "alerts" });
  const title = el("strong", { id: "ticker-title" });
  const ranges = el("span", {}, ...RANGES.map((h) => el("button", { "data-hours": String(h) }, `${h}h`)));
  fill(
    main(),
    tape,
    el(
      "div",
      { class: "row" },
      el(
        "div",
        { class: "panel chart-panel" },
        el("div", { class: "controls" }, title, ranges, legend),
        chartBox,
        el("div", { class: "dim credit" }, "Charts: TradingView Lightweight Charts (Apache-2.0)"),
      ),
      el("div", { class: "panel alerts" }, el("strong", {}, "Price alerts (PRICE_ALERTS)"), alertList),
    ),
  );
  const chart: IChartApi = createChart(chartBox, {
    autoSize: true,
    // the logo's own <style> element would break the CSP; the credit is a line of text below the chart instead
    layout: { background: { color: "#171d24" }, textColor: "#d8dee6", attributionLogo: false },
    grid: { vertLines: { color: "#222a33" }, horzLines: { color: "#222a33" } },
    timeScale: { timeVisible: true, secondsVisible: false },
  });
  const candles: ISeriesApi<"Candlestick"> = chart.addSeries(CandlestickSeries, {
    upColor: "#26a69a",
    downColor: "#ef5350",
    borderVisible: false,
    wickUpColor: "#26a69a",
    wickDownColor: "#ef5350",
  });
  const volume: ISeriesApi<"Histogram"> = chart.addSeries(HistogramSeries, {
    priceFormat: { type: "volume" },
    priceScaleId: "",
    color: "#3b5068",
    lastValueVisible: false,
    priceLineVisible: false,
  });
  volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  const tapeButtons = new Map<string, HTMLButtonElement>();

  const showLegend = (bar: Bar | undefined) => {
    if (!bar) return fill(legend, "no bars in this range yet");
    for (const k of ["open", "high", "low", "close", "volume"] as const) legend.dataset[k] = String(bar[k]);
    legend.dataset.time = String(bar.time);
    fill(
      legend,
      `O ${num(bar.open, 4)}  H ${num(bar.high, 4)}  L ${num(bar.low, 4)}  C ${num(bar.close, 4)}  V ${
        num(bar.volume)
      }`,
    );
  };
  const toChart = (bar: Bar) => ({ ...bar, time: bar.time as UTCTimestamp });
  const volumeOf = (bar: Bar) => ({
    time: bar.time as UTCTimestamp,
    value: bar.volume,
    color: bar.close >= bar.open ? "#26a69a80" : "#ef535080",
  });

  const updateTape = (entry: TapeEntry) => {
    let button = tapeButtons.get(entry.ticker);
    if (!button) {
      button = el("button", { "data-ticker": entry.ticker });
      button.addEventListener("click", () => select(entry.ticker, hours));
      tapeButtons.set(entry.ticker, button);
      const sorted = [...tapeButtons.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, b]) => b);
      fill(tape, ...sorted);
    }
    const change = entry.dayChange;
    button.classList.toggle("on", entry.ticker === ticker);
    fill(
      button,
      el("span", {}, entry.ticker),
      el("span", { class: "price", "data-price": String(entry.price) }, num(entry.price, 4)),
      el(
        "span",
        { class: change === null ? "dim" : change >= 0 ? "up" : "down" },
        change === null ? "" : `${change >= 0 ? "+" : ""}${num(change, 2)}%`,
      ),
    );
  };
  const addAlert = (alert: PriceAlert, atTop: boolean) => {
    const row = el(
      "div",
      { class: "alert" },
      el("span", { class: "dim" }, new Date(alert.time).toISOString().slice(11, 19), " "),
      el("strong", {}, alert.ticker),
      ` ${num(alert.price, 4)} `,
      el("span", { class: "down" }, alert.alert),
      alert.threshold === null ? "" : el("span", { class: "dim" }, ` (< ${num(alert.threshold, 2)})`),
    );
    if (atTop) alertList.prepend(row);
    else alertList.append(row);
    while (alertList.children.length > 100) alertList.lastElementChild?.remove();
  };
  const showStatus = (status: MarketData["status"]) => {
    banner(
      status.quotes.ok
        ? undefined
        : `${status.quotes.message} — showing what was read before; the console reconnects by itself`,
    );
    alertList.dataset.state = status.alerts.ok ? "ok" : status.alerts.message;
  };

  let lastBar: Bar | undefined;
  const select = async (next: string, nextHours: number) => {
    const data = await api<MarketData>(`/api/market?ticker=${encodeURIComponent(next)}&hours=${nextHours}`).catch(
      (error) => {
        banner(error.message);
        return undefined;
      },
    );
    if (!data) return;
    ticker = data.ticker;
    hours = data.hours;
    history.replaceState(null, "", `/market?ticker=${encodeURIComponent(ticker)}&hours=${hours}`);
    fill(title, ticker || "no quotes yet");
    for (const b of ranges.querySelectorAll("button")) b.classList.toggle("on", Number(b.dataset.hours) === hours);
    for (const entry of data.tape) updateTape(entry);
    candles.setData(data.bars.map(toChart));
    volume.setData(data.bars.map(volumeOf));
    chart.timeScale().fitContent();
    lastBar = data.bars.at(-1);
    showLegend(lastBar);
    fill(alertList);
    for (const alert of data.alerts) addAlert(alert, false);
    if (data.alerts.length === 0) fill(alertList, el("div", { class: "dim" }, "no alerts in the last hours"));
    showStatus(data.status);
  };
  for (const b of ranges.querySelectorAll("button")) {
    b.addEventListener("click", () => select(ticker, Number(b.dataset.hours)));
  }

  new Live(["market"])
    .on("hello", () => select(ticker, hours))
    .on("quote", (data) => {
      const { tape: entry, bar } = data as { tape: TapeEntry; bar: Bar };
      updateTape(entry);
      if (entry.ticker !== ticker) return;
      if (lastBar && bar.time < lastBar.time) return;
      candles.update(toChart(bar));
      volume.update(volumeOf(bar));
      lastBar = bar;
      showLegend(bar);
    })
    .on("alert", (data) => {
      alertList.querySelector(".dim:only-child")?.remove();
      addAlert(data as PriceAlert, true);
    })
    .on("status", (data) => showStatus(data as MarketData["status"]))
    .open();
}
