"""The documents the council reads: the plan as a Word file (plan_document, docxtpl over templates_docx/), what a
Word model may do and the sandbox it is rendered in (template_safety), the trial of an uploaded model (template_check).
"""
