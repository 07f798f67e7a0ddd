"""TEN: queries that read or write one customer's rows without the tenant filter."""
