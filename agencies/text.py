"""Text helpers shared by search: fold Vietnamese to lower-case ASCII."""

from unidecode import unidecode


def fold(text: str) -> str:
    """Lower-case ASCII form used for diacritics-free search.

    >>> fold("Hà Nội")
    'ha noi'
    >>> fold("Đăng ký kết hôn")
    'dang ky ket hon'
    """
    return " ".join(unidecode(text or "").lower().split())
