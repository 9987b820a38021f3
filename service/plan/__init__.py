"""Plan stage: choose the sites of a patrol shift and order them into routes (travel times on the road network)."""
