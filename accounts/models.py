import re

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    """Users are identified by their e-mail address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    # The language the shopper last chose in the switcher, restored when they log in.
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=settings.LANGUAGES
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.email


BRAZILIAN_STATES = [
    ("AC", "Acre"),
    ("AL", "Alagoas"),
    ("AP", "Amapá"),
    ("AM", "Amazonas"),
    ("BA", "Bahia"),
    ("CE", "Ceará"),
    ("DF", "Distrito Federal"),
    ("ES", "Espírito Santo"),
    ("GO", "Goiás"),
    ("MA", "Maranhão"),
    ("MT", "Mato Grosso"),
    ("MS", "Mato Grosso do Sul"),
    ("MG", "Minas Gerais"),
    ("PA", "Pará"),
    ("PB", "Paraíba"),
    ("PR", "Paraná"),
    ("PE", "Pernambuco"),
    ("PI", "Piauí"),
    ("RJ", "Rio de Janeiro"),
    ("RN", "Rio Grande do Norte"),
    ("RS", "Rio Grande do Sul"),
    ("RO", "Rondônia"),
    ("RR", "Roraima"),
    ("SC", "Santa Catarina"),
    ("SP", "São Paulo"),
    ("SE", "Sergipe"),
    ("TO", "Tocantins"),
]
COUNTRIES = [("BR", _("Brazil"))]
CEP = re.compile(r"^(\d{5})-?(\d{3})$")
PHONE_DIGITS = re.compile(r"\d")


def normalize_postal_code(value: str) -> str:
    """A CEP as 12345-678; refuses anything that is not 8 digits (with or without the dash)."""
    match = CEP.match(str(value).strip())
    if not match:
        raise ValidationError(_("Enter a CEP with 8 digits, like 01310-100."), code="invalid_cep")
    return f"{match.group(1)}-{match.group(2)}"


def normalize_phone(value: str) -> str:
    """A phone number with area code: 10 to 13 digits, with the usual separators."""
    phone = str(value).strip()
    digits = "".join(PHONE_DIGITS.findall(phone))
    if not 10 <= len(digits) <= 13 or not re.fullmatch(r"[\d\s()+.-]+", phone):
        raise ValidationError(
            _("Enter a phone number with area code, like (11) 91234-5678."), code="invalid_phone"
        )
    return phone


def _validate_postal_code(value: str) -> None:
    normalize_postal_code(value)


def _validate_phone(value: str) -> None:
    normalize_phone(value)


class PostalAddress(models.Model):
    """A Brazilian delivery address and its validation: the address book's entries and the
    delivery address copied into each order (so editing the book never rewrites an order)."""

    recipient = models.CharField(_("recipient"), max_length=120)
    street = models.CharField(_("street"), max_length=200)
    number = models.CharField(_("number"), max_length=20)
    complement = models.CharField(_("complement"), max_length=100, blank=True)
    district = models.CharField(_("district"), max_length=100)
    city = models.CharField(_("city"), max_length=100)
    state = models.CharField(_("state"), max_length=2, choices=BRAZILIAN_STATES)
    postal_code = models.CharField(
        _("postal code (CEP)"), max_length=9, validators=[_validate_postal_code]
    )
    country = models.CharField(_("country"), max_length=2, choices=COUNTRIES, default="BR")
    phone = models.CharField(_("phone"), max_length=20, validators=[_validate_phone])

    ADDRESS_FIELDS = (
        "recipient",
        "street",
        "number",
        "complement",
        "district",
        "city",
        "state",
        "postal_code",
        "country",
        "phone",
    )

    class Meta:
        abstract = True

    def address_fields(self) -> dict[str, str]:
        """The address alone, to copy it into another address (an order's delivery)."""
        return {name: getattr(self, name) for name in self.ADDRESS_FIELDS}

    @property
    def address_lines(self) -> list[str]:
        """The address as printed on a label, a line per item."""
        first = f"{self.street}, {self.number}"
        if self.complement:
            first += f" – {self.complement}"
        return [
            self.recipient,
            first,
            f"{self.district}, {self.city}/{self.state}",
            f"{self.postal_code} · {self.get_country_display()}",
            self.phone,
        ]


class Address(PostalAddress):
    """A delivery address in the shopper's address book."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("user")
    )
    is_default = models.BooleanField(_("default address"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at", "-id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default=True),
                name="one_default_address_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.recipient}, {self.street} {self.number}, {self.city}/{self.state}"
