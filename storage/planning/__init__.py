"""Set-based digest planning in SQL: the due subscribers (``due``), the stories
each gets (``matching``), and the rows a plan writes (``writes``)."""
