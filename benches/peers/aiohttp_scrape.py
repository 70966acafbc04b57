"""The textbook asyncio recipe: one aiohttp session, a semaphore, BeautifulSoup.

Usage: python3 aiohttp_scrape.py URLS_FILE CONCURRENCY
Prints one JSON summary line: pages, ok, priced, elapsed seconds.
Does the same work per page as scrape: fetch, decode, parse the whole
document, read JSON-LD / meta / a visible price, and the title.
"""
import asyncio
import json
import sys
import time

import aiohttp
from bs4 import BeautifulSoup


def extract(html):
    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(strip=True) if soup.title else None
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except ValueError:
            continue
        items = data.get("@graph", [data]) if isinstance(data, dict) else data
        for item in items if isinstance(items, list) else [items]:
            if isinstance(item, dict) and item.get("@type") == "Product":
                offers = item.get("offers") or {}
                if isinstance(offers, list):
                    offers = offers[0] if offers else {}
                if "price" in offers:
                    return str(offers["price"]), offers.get("priceCurrency"), title
    meta = soup.find("meta", attrs={"property": "product:price:amount"})
    if meta:
        cur = soup.find("meta", attrs={"property": "product:price:currency"})
        return meta.get("content"), cur.get("content") if cur else None, title
    tag = soup.find(attrs={"itemprop": "price"}) or soup.select_one(".price, .product-price")
    if tag:
        return tag.get("content") or tag.get_text(strip=True), None, title
    return None, None, title


async def fetch(session, sem, url):
    async with sem:
        try:
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as resp:
                body = await resp.text(errors="replace")
                ok = resp.status == 200
        except Exception:
            return False, False
    price, _currency, _title = extract(body)
    return ok, price is not None


async def main(path, concurrency):
    with open(path) as f:
        urls = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    sem = asyncio.Semaphore(concurrency)
    start = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        results = await asyncio.gather(*(fetch(session, sem, u) for u in urls))
    elapsed = time.perf_counter() - start
    print(json.dumps({
        "tool": "python-aiohttp", "pages": len(urls),
        "ok": sum(1 for ok, _ in results if ok), "priced": sum(1 for _, p in results if p),
        "elapsed_s": round(elapsed, 3),
    }))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
