"""Payment domain: the entitlement of a beneficiary."""
