"""Locust users for ``bench/portal.py`` (not run on its own: it reads the plan from
``KONRAY_BENCH_PLAN``, a JSON file the bench writes: accounts, year, slugs, households, files).

- ``Browser``: logs in once, then browses like commune/district staff: years, year page,
  dashboard, a commune list (a page, sometimes filtered), households, an XLSX download.
- ``LoginStorm``: logs in again and again (each is an argon2 hash on the server).
- ``Health``: only ``/healthz`` (what the service manager polls), to see if logins stall it.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, constant, task

PLAN = json.loads(Path(os.environ["KONRAY_BENCH_PLAN"]).read_text(encoding="utf-8"))
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _login(client, username: str, password: str) -> None:
    page = client.get("/login", name="GET /login")
    m = _CSRF.search(page.text)
    client.post("/login", name="POST /login", allow_redirects=False,
                data={"username": username, "password": password,
                      "csrf_token": m.group(1) if m else "", "next": "/years"})


class Browser(HttpUser):
    weight = int(os.environ.get("KONRAY_BENCH_BROWSER", "1"))
    wait_time = between(1, 3)

    def on_start(self) -> None:
        _login(self.client, PLAN["username"], PLAN["password"])

    @task(2)
    def years(self) -> None:
        self.client.get("/years", name="/years")

    @task(3)
    def year(self) -> None:
        self.client.get(f"/years/{PLAN['year']}", name="/years/{y}")

    @task(2)
    def dashboard(self) -> None:
        self.client.get(f"/years/{PLAN['year']}/dashboard", name="/years/{y}/dashboard")

    @task(5)
    def commune(self) -> None:
        slug = random.choice(PLAN["slugs"])
        q = random.choice(["", "?page=2", "?category=poor", "?q=nguyen", "?em=1&page=3"])
        self.client.get(f"/years/{PLAN['year']}/communes/{slug}{q}",
                        name="/years/{y}/communes/{slug}")

    @task(6)
    def household(self) -> None:
        hid = random.choice(PLAN["households"])
        self.client.get(f"/years/{PLAN['year']}/households/{hid}",
                        name="/years/{y}/households/{id}")

    @task(1)
    def download(self) -> None:
        path = random.choice(PLAN["files"])
        self.client.get(f"/runs/{PLAN['run_id']}/files/{path}", name="/runs/{run}/files (xlsx)")


class LoginStorm(HttpUser):
    weight = int(os.environ.get("KONRAY_BENCH_LOGIN", "0"))
    wait_time = constant(0)

    @task
    def login(self) -> None:
        self.client.cookies.clear()
        _login(self.client, PLAN["username"], PLAN["password"])


class Health(HttpUser):
    weight = int(os.environ.get("KONRAY_BENCH_HEALTH", "0"))
    fixed_count = int(os.environ.get("KONRAY_BENCH_HEALTH", "0"))
    wait_time = constant(0.2)

    @task
    def health(self) -> None:
        self.client.get("/healthz", name="/healthz")
