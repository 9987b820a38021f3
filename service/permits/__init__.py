"""Permits stage: the follow-up of environmental and urban-planning permits, and the advice sheet.

- :mod:`service.permits.links`: reports linked to a permitted facility (near it, of a category it concerns), the
  visits made there, the trend of complaints;
- :mod:`service.permits.followup`: which permits are due for a check (expiry, conditions, repeated complaints) and
  a value on the planner's scale; :mod:`service.permits.candidates` makes them candidate sites of kind ``permis``
  (shift planner, site list) and writes the follow-up list;
- :mod:`service.permits.record`: what a permit's record shows;
- :mod:`service.permits.advice` and :mod:`service.permits.advice_pdf`: the advice sheet for an application.
"""
