/// The dashboard's only stylesheet, inlined in every page: no CDN, no web fonts, no scripts,
/// so the page works on a disconnected HQ network and the Content-Security-Policy can forbid
/// every external load. Sized for a laptop screen (1280-1440 px wide); columns wrap below.
enum DashboardStyle {
    static let css = """
    :root { color-scheme: light; --ink: #1d2733; --muted: #5d6b7a; --line: #d9e0e7; --card: #ffffff; --bg: #f3f5f8; --accent: #2f6db5; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", sans-serif;
           color: var(--ink); background: var(--bg); }
    header { background: #16324f; color: #fff; padding: 12px 24px; display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: center; }
    header h1 { font-size: 18px; margin: 0; font-weight: 600; }
    header .meta { color: #c6d4e3; font-size: 13px; flex: 1; }
    header form { margin: 0; }
    main { max-width: 1440px; margin: 0 auto; padding: 16px 24px 32px; }
    .filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; background: var(--card); border: 1px solid var(--line);
               border-radius: 6px; padding: 10px 14px; margin-bottom: 16px; }
    .filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
    select, input, button { font: inherit; padding: 4px 8px; border: 1px solid #b8c4d0; border-radius: 4px; background: #fff; }
    button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
    header button { background: transparent; border-color: #8aa6c4; color: #fff; }
    .kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin-bottom: 16px; }
    .kpi { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
    .kpi .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
    .kpi .value { font-size: 28px; font-weight: 600; }
    .kpi .sub { font-size: 12px; color: var(--muted); }
    .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 16px; margin-bottom: 16px; }
    section { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; overflow-x: auto; }
    section h2 { font-size: 15px; margin: 0 0 8px; font-weight: 600; }
    section p.note { color: var(--muted); font-size: 12px; margin: 4px 0 8px; }
    .chart { max-width: 100%; height: auto; font-size: 11px; }
    .chart.wide { width: 100%; }
    .chart text { fill: var(--ink); }
    .chart .axis, .chart .muted { fill: var(--muted); }
    .chart .grid { stroke: var(--line); stroke-width: 1; }
    table { border-collapse: collapse; width: 100%; font-size: 13px; }
    th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { color: var(--muted); font-weight: 600; font-size: 12px; }
    td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
    #table-best-monitors td:first-child, #table-budget td:nth-child(2), #table-conflicts td:nth-child(2) { white-space: nowrap; }
    .badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; font-weight: 600; }
    .best { background: #dcf3e3; color: #17653a; }
    .worst { background: #fbe1e1; color: #9a2323; }
    .message { background: #fff4d6; border: 1px solid #ecd38c; border-radius: 6px; padding: 8px 12px; margin-bottom: 12px; }
    .login { max-width: 420px; margin: 72px auto; background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 20px 24px; }
    .login h1 { font-size: 18px; margin: 0 0 8px; }
    .login input { width: 100%; margin: 6px 0 12px; }
    code { font-size: 12px; }
    footer { color: var(--muted); font-size: 12px; margin-top: 8px; }
    """
}
