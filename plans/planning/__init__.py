"""The plan and its content: the models, creating and finding plans (service), the sections with their versions and
history (sections, sectiondata/), the PIP actions (actions), every figure of money (finance) and the indicators
derived from money and population (indicators), co-financing schemes (cofinancing), what a plan still lacks
(completeness) and where an action may be placed (location)."""
