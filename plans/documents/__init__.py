"""The documents the council reads: the plan as a Word file (plan_document, docxtpl over templates_docx/)."""
