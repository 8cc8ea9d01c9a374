"""The Kế Sách demo data set (DOMAIN.md §1), shipped with the product."""
