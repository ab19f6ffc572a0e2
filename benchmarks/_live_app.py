"""A FastAPI app with only the studio installed (``uvicorn --app-dir benchmarks _live_app:app``):
what ``benchmarks/bench_live.py`` serves, so that the live path is measured on its own."""

from fastapi import FastAPI

from painterly.studio import install

app = FastAPI(title="painterly studio (live benchmark)")
install(app)
