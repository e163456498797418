"""The welcome flow: from the first start to a first tool call the user allowed."""
