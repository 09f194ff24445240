"""Stock rules, pure (issue 11): available-to-sell with its "why" (D2-D4, D6, D9)."""
