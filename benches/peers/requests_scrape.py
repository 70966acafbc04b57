"""The sequential textbook loop: requests + BeautifulSoup, one page at a time.

Usage: python3 requests_scrape.py URLS_FILE
"""
import json
import sys
import time

import requests

from aiohttp_scrape import extract


def main(path):
    with open(path) as f:
        urls = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    ok = priced = 0
    start = time.perf_counter()
    with requests.Session() as session:
        for url in urls:
            try:
                resp = session.get(url, timeout=10)
            except requests.RequestException:
                continue
            ok += resp.status_code == 200
            price, _currency, _title = extract(resp.text)
            priced += price is not None
    elapsed = time.perf_counter() - start
    print(json.dumps({"tool": "python-requests", "pages": len(urls), "ok": ok, "priced": priced,
                      "elapsed_s": round(elapsed, 3)}))


if __name__ == "__main__":
    main(sys.argv[1])
