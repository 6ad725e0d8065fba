"""Pictures of what ohtop gives outside the terminal: its metrics in Prometheus' own graph page
(screenshots/prometheus.png), an alert as Alertmanager delivered it to a webhook
(screenshots/alert.png) and the dashboard in a browser tab (screenshots/web.png, taken by
tests/system/test_web.py). Needs Debian's prometheus, prometheus-alertmanager and chromium,
and the playwright package; run from the repository's root with PYTHONPATH=. (make
screenshots)."""

from __future__ import annotations

import asyncio
import html
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.async_api import async_playwright

from tests.system.stack import free_port as _free_port
from tests.system.test_monitoring import delivered_alert
from tests.system.test_web import FLAGS
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"


async def prometheus_graph() -> Path:
    """The exporter on a live demo, scraped by Prometheus for a while, graphed."""
    server = DemoServer(DemoWorld(n=50, seed=7, spawn_every=5.0))
    await server.start()
    exporter_port, prom_port = _free_port(), _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: ohtop\n"
            f"    static_configs: [{{targets: ['127.0.0.1:{exporter_port}']}}]\n"
        )
        exporter = subprocess.Popen(
            [sys.executable, "-m", "tui", "exporter", "--server", f"demo={server.url}",
             "--rate", "100/s", "--listen", f"127.0.0.1:{exporter_port}"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        prom = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp}/data",
             f"--web.listen-address=127.0.0.1:{prom_port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            await asyncio.sleep(float(os.environ.get("OHTOP_HISTORY_SECONDS", "90")))
            query = "sum by (status) (ohtop_conversations)"
            url = (
                f"http://127.0.0.1:{prom_port}/graph?g0.expr={query}&g0.tab=0"
                "&g0.stacked=1&g0.range_input=2m"
            )
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
                page = await browser.new_page(viewport={"width": 1300, "height": 940})
                await page.goto(url, wait_until="networkidle")
                await asyncio.sleep(3)  # the chart draws after its data came
                path = OUT / "prometheus.png"
                await page.screenshot(path=str(path))
                await browser.close()
            return path
        finally:
            for proc in (exporter, prom):
                proc.terminate()
                proc.wait(10)
            await server.stop()


async def alert_arriving() -> Path:
    """A burst of failures on the demo, delivered by a real Alertmanager to a webhook: the
    notification the webhook received, as a page."""
    with tempfile.TemporaryDirectory() as tmp:
        body = await delivered_alert(Path(tmp))
    alert = body["alerts"][0]
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
        for k, v in [*alert["labels"].items(), *alert["annotations"].items()]
    )
    page_html = (
        "<html><body style='font-family:sans-serif;margin:24px'>"
        f"<h2>Webhook <code>{html.escape(body['receiver'])}</code> received "
        f"[{html.escape(body['status'].upper())}] {html.escape(alert['labels']['alertname'])}</h2>"
        f"<p>from Alertmanager, group <code>{html.escape(body['groupKey'])}</code>, "
        f"started {html.escape(alert['startsAt'])}</p>"
        f"<table border=1 cellpadding=6 style='border-collapse:collapse'>{rows}</table>"
        "<h3>The notification as posted</h3><pre style='font-size:11px'>"
        f"{html.escape(json.dumps(body, indent=2)[:2500])}</pre></body></html>"
    )
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = await browser.new_page(viewport={"width": 1100, "height": 900})
        await page.set_content(page_html)
        path = OUT / "alert.png"
        await page.screenshot(path=str(path))
        await browser.close()
    return path


def web_page() -> None:
    """tests/system/test_web.py saves the page it drives when asked."""
    env = {**os.environ, "OHTOP_SCREENSHOT_WEB": "1"}
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests/system/test_web.py"], env=env, check=True
    )


if __name__ == "__main__":
    print(asyncio.run(prometheus_graph()))
    print(asyncio.run(alert_arriving()))
    web_page()
