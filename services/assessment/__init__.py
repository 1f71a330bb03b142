"""assessment: review, disability determination and the approving authority's decision."""
