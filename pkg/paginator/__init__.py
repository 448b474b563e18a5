from .paginator import Paginator, PaginatorReq, SearchPaginatorReq, page_data

__all__ = ["PaginatorReq", "Paginator", "SearchPaginatorReq", "page_data"]
