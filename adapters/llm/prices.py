"""``PriceList`` over the price table (``catalogue.json``) and each provider's usage convention."""

from __future__ import annotations

from adapters.llm.catalogue import cost_usd, model_facts
from adapters.llm.config import PROFILES
from application.ports.generation import ModelRoute


class CataloguePrices:
    """Prices of the models in the table; reasoning tokens are billed as output."""

    def cost_usd(
        self, route: ModelRoute, input_tokens: int, output_tokens: int, reasoning_tokens: int
    ) -> float | None:
        """USD for one call with these tokens, or None for a model without a price."""
        if model_facts(route.provider, route.model) is None:
            return None
        profile = PROFILES.get(route.provider)
        return cost_usd(
            route.provider,
            route.model,
            input_tokens,
            output_tokens,
            reasoning_tokens,
            reasoning_in_output=profile.reasoning_in_output if profile else True,
        )
