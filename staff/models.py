"""Staff roles and the scope of agencies each person may see."""
