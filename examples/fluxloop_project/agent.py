"""Trip helper: a FluxLoop project agent traced with fluxloop-otel only.

There is no FluxLoop SDK import and no ``configure()`` call: under ``fluxloop run experiment``
the spans join the CLI's trace and land in ``experiments/artifacts`` (``FLUXLOOP_OFFLINE_DIR``);
under ``fluxloop-otel run`` the same happens without the FluxLoop runner. Set
``OTEL_EXPORTER_OTLP_ENDPOINT`` to also see each run in Jaeger/Phoenix under the same trace id.

The "LLM" is a deterministic writer so the example runs offline; it reports token usage the
way a real model call would.
"""

from __future__ import annotations

from typing import Any

import fluxloop_otel as fl

GUIDES = [
    {"city": "lisbon", "title": "Alfama walk", "text": "Walk the Alfama hills and ride tram 28."},
    {"city": "lisbon", "title": "Belem", "text": "See the Belem tower and try a pastel de nata."},
    {"city": "paris", "title": "Museums", "text": "Start at the Louvre, then the Musee d'Orsay."},
    {
        "city": "paris",
        "title": "Covered passages",
        "text": "Stroll the covered passages near the Grands Boulevards.",
    },
]
FORECASTS = {"lisbon": "sunny, 22C", "paris": "rain, 14C"}


class UnknownCity(LookupError):
    """No guide covers the city asked about."""


@fl.retrieval(data_source="city-guides", top_k=2)
def find_guides(query: str, top_k: int = 2) -> list[dict[str, str]]:
    words = query.lower()
    return [guide for guide in GUIDES if guide["city"] in words][:top_k]


@fl.tool(description="Weather forecast for a city")
def forecast(city: str) -> dict[str, str]:
    return {"city": city, "forecast": FORECASTS.get(city, "unknown")}


@fl.prompt(model="offline-writer")
def write_answer(question: str, guides: list[dict[str, str]], weather: dict[str, str]) -> dict[str, Any]:
    tips = " ".join(guide["text"] for guide in guides)
    text = f"{tips} Weather in {weather['city'].title()}: {weather['forecast']}."
    prompt_tokens = len(question.split()) + len(tips.split())
    completion_tokens = len(text.split())
    return {
        "text": text,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


@fl.agent(name="trip_helper")
def run(input: str) -> str:
    guides = find_guides(input)
    if not guides:
        raise UnknownCity(f"no guide for: {input}")
    weather = forecast(guides[0]["city"])
    return write_answer(input, guides, weather)["text"]
