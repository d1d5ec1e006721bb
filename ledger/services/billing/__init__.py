"""Billing services: prices, packages and their credits, invoices, payments, and the reports
billing staff and accountants read (pending charges, liability, aging, statements).

Every write runs in one unit of work (`act`); each money record it appends is sealed in the
money chain (`chain.py`) in that same transaction.
"""
