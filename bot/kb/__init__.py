"""The knowledge base: FAQ records, import formats, embeddings, the hybrid retriever and its index."""
